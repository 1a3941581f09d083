--- Defaults, and `setup{}` overrides of them. Nothing here needs `setup()` to be called.
local M = {}

---@class countersign.Config
---@field capture countersign.CaptureConfig Which AI-edit capture adapters are on.
---@field ai_sources table<string, string> Completion source name -> tool reported to the server.
---@field inline_tools table<string, string> LSP client name -> tool, for native inline completion.
---@field statusline countersign.StatuslineConfig
---@field marks countersign.MarksConfig

---@class countersign.CaptureConfig
---@field inline_completion boolean Neovim 0.12 `vim.lsp.inline_completion.get()` accepts.
---@field cmp boolean nvim-cmp `confirm_done` for entries from `ai_sources`.
---@field blink boolean blink.cmp `BlinkCmpAccept` for items from `ai_sources`.
---@field copilot_lua boolean copilot.lua `require('copilot.suggestion').accept*()`.
---@field copilot_vim boolean copilot.vim insert-mode maps that call `copilot#Accept*()`.

---@class countersign.StatuslineConfig
---@field ai_icon string Prefix of the statusline component.

---@class countersign.MarksConfig
---@field enabled boolean Signs on AI lines (`:Countersign marks on|off` turns them over).
---@field signs table<'inline'|'chat'|'agent'|'suspected', string> Sign text per kind (1-2 cells).
---@field priority integer Sign priority (gitsigns uses 6, diagnostics 10 and up).

---@type countersign.Config
M.defaults = {
  capture = {
    inline_completion = true,
    cmp = true,
    blink = true,
    copilot_lua = true,
    copilot_vim = true,
  },
  ai_sources = {
    copilot = 'copilot',
    codeium = 'codeium',
    windsurf = 'codeium',
    supermaven = 'supermaven',
    cmp_tabnine = 'tabnine',
    tabnine = 'tabnine',
    minuet = 'minuet',
    cmp_ai = 'cmp-ai',
    codecompanion = 'codecompanion',
  },
  inline_tools = {
    copilot = 'copilot',
    ['copilot-language-server'] = 'copilot',
    codeium = 'codeium',
    windsurf = 'codeium',
    supermaven = 'supermaven',
    tabnine = 'tabnine',
  },
  statusline = { ai_icon = 'AI' },
  marks = {
    enabled = true,
    signs = { inline = '▎', chat = '▎', agent = '▎', suspected = '┆' },
    priority = 8,
  },
}

---@type countersign.Config
M.options = vim.deepcopy(M.defaults)

---@class countersign.SetupOpts
---@field capture? table<string, boolean>
---@field ai_sources? table<string, string|false> `false` removes a default source.
---@field inline_tools? table<string, string|false>
---@field statusline? { ai_icon?: string }
---@field marks? { enabled?: boolean, signs?: table<string, string>, priority?: integer }

--- Override defaults; unknown keys are reported, not fatal.
---@param opts? countersign.SetupOpts
---@return string[] errors
function M.set(opts)
  local errors = M.validate(opts or {})
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  for _, map in ipairs({ merged.ai_sources, merged.inline_tools }) do
    for name, tool in pairs(map) do
      if tool == false then
        map[name] = nil
      end
    end
  end
  M.options = merged
  return errors
end

--- Messages for every option that is not understood.
---@param opts table
---@return string[]
function M.validate(opts)
  local errors = {}
  if type(opts) ~= 'table' then
    return { ('setup() expects a table, got %s'):format(type(opts)) }
  end
  for key, value in pairs(opts) do
    local default = M.defaults[key]
    if default == nil then
      errors[#errors + 1] = ('unknown option %q'):format(tostring(key))
    elseif type(value) ~= 'table' then
      errors[#errors + 1] = ('option %q must be a table, got %s'):format(key, type(value))
    elseif key == 'marks' then
      vim.list_extend(errors, M.validate_marks(value))
    elseif key == 'capture' or key == 'statusline' then
      for sub, v in pairs(value) do
        if default[sub] == nil then
          errors[#errors + 1] = ('unknown option %s.%s'):format(key, tostring(sub))
        elseif type(v) ~= type(default[sub]) then
          errors[#errors + 1] = ('option %s.%s must be a %s'):format(key, sub, type(default[sub]))
        end
      end
    else
      for sub, v in pairs(value) do
        if v ~= false and type(v) ~= 'string' then
          errors[#errors + 1] = ('option %s.%s must be a tool name or false'):format(key, sub)
        end
      end
    end
  end
  return errors
end

--- Messages for the `marks` options that are not understood.
---@param marks table
---@return string[]
function M.validate_marks(marks)
  local errors = {}
  for sub, v in pairs(marks) do
    if sub == 'signs' and type(v) == 'table' then
      for kind, text in pairs(v) do
        if M.defaults.marks.signs[kind] == nil then
          errors[#errors + 1] = ('unknown kind marks.signs.%s (inline, chat, agent, suspected)'):format(
            tostring(kind)
          )
        elseif
          type(text) ~= 'string'
          or vim.fn.strdisplaywidth(text) < 1
          or vim.fn.strdisplaywidth(text) > 2
        then
          errors[#errors + 1] = ('option marks.signs.%s must be text 1 or 2 cells wide'):format(
            kind
          )
        end
      end
    elseif M.defaults.marks[sub] == nil then
      errors[#errors + 1] = ('unknown option marks.%s'):format(tostring(sub))
    elseif type(v) ~= type(M.defaults.marks[sub]) then
      errors[#errors + 1] = ('option marks.%s must be a %s'):format(
        sub,
        type(M.defaults.marks[sub])
      )
    end
  end
  return errors
end

return M
