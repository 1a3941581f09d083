--- countersign for Neovim: reports AI edits to the countersign language server and shows
--- what it says. Works without `setup()`; `setup{}` only overrides defaults.
local client = require('countersign.client')
local config = require('countersign.config')
local marks = require('countersign.marks')

local M = {}

local adapters = {
  inline_completion = 'countersign.capture.inline',
  cmp = 'countersign.capture.cmp',
  blink = 'countersign.capture.blink',
  copilot_lua = 'countersign.capture.copilot_lua',
  copilot_vim = 'countersign.capture.copilot_vim',
}

--- Override defaults (see `:help countersign-setup`).
---@param opts? countersign.SetupOpts
function M.setup(opts)
  local errors = config.set(opts)
  for _, message in ipairs(errors) do
    vim.notify('countersign: ' .. message, vim.log.levels.WARN)
  end
  M.install()
end

--- Hook into the AI plugins that are loaded now; the rest stay silent until they load.
---@return table<string, boolean> installed adapter name -> installed
function M.install()
  local installed = {}
  for name, module in pairs(adapters) do
    if config.options.capture[name] then
      installed[name] = require(module).install()
    end
  end
  return installed
end

--- The server attached to `bufnr` (`on_attach` in lsp/countersign.lua): everything the
--- plugin does starts here too, so `vim.lsp.enable('countersign')` alone is enough even when
--- the plugin was put on 'runtimepath' after startup (its plugin/ file never ran).
---@param lsp_client vim.lsp.Client
---@param bufnr integer
function M.attach(lsp_client, bufnr)
  if not vim.g.loaded_countersign then
    vim.cmd.runtime('plugin/countersign.lua')
  end
  M.install()
  marks.attach(lsp_client, bufnr)
end

-- Statusline ---------------------------------------------------------------------------

---@type table<integer, countersign.Summary?>
M.summaries = {}

--- Ask the server for the buffer's summary again and redraw the statusline with it.
---@param bufnr? integer
function M.refresh(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  client.summary(bufnr --[[@as integer]], function(summary)
    M.summaries[bufnr] = summary
    vim.cmd.redrawstatus({ bang = true })
  end)
end

--- Statusline component: AI lines and tier of the buffer (`AI 3 high`), or '' without AI.
--- Cheap: answers from the last `countersign/summary`, refreshed on diagnostics changes.
---@param bufnr? integer
---@return string
function M.statusline(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local s = M.summaries[bufnr]
  if not s or (s.aiLines or 0) == 0 then
    return ''
  end
  local text = ('%s %d'):format(config.options.statusline.ai_icon, s.aiLines)
  if s.tier and s.tier ~= 'none' then
    text = text .. ' ' .. s.tier
  end
  if s.review and s.review ~= 'none' then
    text = text .. ' (' .. s.review .. ')'
  end
  return text
end

-- Commands -----------------------------------------------------------------------------

---@class countersign.CommandArgs
---@field bufnr integer
---@field range? { [1]: integer, [2]: integer } 1-based first and last line
---@field args string[]

--- The LSP range of whole lines `range` (1-based, inclusive) of `bufnr`, in `encoding`:
--- to the start of the next line, or to the end of the last line of the buffer.
---@param bufnr integer
---@param range? { [1]: integer, [2]: integer }
---@param encoding string the client's position encoding
---@return lsp.Range?
function M.lines_range(bufnr, range, encoding)
  if not range then
    return nil
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  local stop = range[2] >= last
      and { last - 1, #vim.api.nvim_buf_get_lines(bufnr, -2, -1, false)[1] }
    or { range[2], 0 }
  return client.lsp_range(bufnr, { range[1] - 1, 0, stop[1], stop[2] }, encoding)
end

--- `lines_range` in the encoding of the buffer's countersign client, or vim.NIL (whole buffer).
---@param a countersign.CommandArgs
local function selected(a)
  local c = client.get(a.bufnr)
  return M.lines_range(a.bufnr, a.range, c and c.offset_encoding or 'utf-16') or vim.NIL
end

---@param what string
---@return fun(err: lsp.ResponseError?, result: any)
local function done(what)
  return function(err, result)
    if err then
      vim.notify(('countersign: %s failed: %s'):format(what, err.message), vim.log.levels.ERROR)
    else
      vim.notify(('countersign: %s: %s line(s)'):format(what, vim.inspect(result)))
    end
  end
end

---@param bufnr integer
local function require_client(bufnr)
  if client.get(bufnr) then
    return true
  end
  vim.notify(
    "countersign: the language server is not attached to this buffer (vim.lsp.enable('countersign'), :checkhealth countersign)",
    vim.log.levels.WARN
  )
  return false
end

---@type table<string, fun(a: countersign.CommandArgs)>
M.commands = {
  markAi = function(a)
    local details = { tool = a.args[1] or 'unknown', kind = a.args[2] or 'chat', model = a.args[3] }
    client.exec(a.bufnr, 'countersign.markAi', {
      vim.uri_from_bufnr(a.bufnr),
      selected(a),
      details,
    }, done('marked AI'))
  end,
  markHuman = function(a)
    client.exec(a.bufnr, 'countersign.markHuman', {
      vim.uri_from_bufnr(a.bufnr),
      selected(a),
    }, done('marked human'))
  end,
  acknowledge = function(a)
    local args = { vim.uri_from_bufnr(a.bufnr), selected(a) }
    if a.args[1] then
      args[3] = a.args[1]
    end
    client.exec(a.bufnr, 'countersign.acknowledge', args, done('acknowledged'))
  end,
  explain = function(a)
    local function show(rule)
      client.exec(a.bufnr, 'countersign.explain', { rule }, function(err, text)
        if err then
          vim.notify('countersign: ' .. err.message, vim.log.levels.ERROR)
        elseif type(text) == 'string' then
          vim.lsp.util.open_floating_preview(
            vim.split(text, '\n'),
            'markdown',
            { border = 'rounded' }
          )
        end
      end)
    end
    if a.args[1] then
      return show(a.args[1])
    end
    local row = vim.api.nvim_win_get_cursor(0)[1] - 1
    for _, d in ipairs(vim.diagnostic.get(a.bufnr, { lnum = row })) do
      if d.source == 'countersign' and d.code then
        return show(tostring(d.code))
      end
    end
    -- Neovim may not have the newest diagnostics yet (just after markAi): ask the server.
    client.rules_at(a.bufnr, row, function(rules, err)
      if rules[1] then
        show(rules[1])
      else
        vim.notify(
          'countersign: no rule id given and no countersign diagnostic on this line'
            .. (err and (' (' .. err.message .. ')') or ''),
          vim.log.levels.WARN
        )
      end
    end)
  end,
  marks = function(a)
    local want = a.args[1] or 'toggle'
    if want ~= 'on' and want ~= 'off' and want ~= 'toggle' then
      vim.notify(('countersign: marks on|off|toggle, not %q'):format(want), vim.log.levels.ERROR)
      return
    end
    local enabled = want == 'on' or (want == 'toggle' and not marks.enabled())
    marks.set_enabled(enabled)
    vim.notify('countersign: AI line marks ' .. (enabled and 'on' or 'off'))
  end,
  origin = function(a)
    marks.show_origin(a.bufnr)
  end,
  report = function(a)
    require('countersign.report').open(a.bufnr)
  end,
  status = function(a)
    client.summary(a.bufnr, function(summary, err)
      if err or not summary then
        vim.notify('countersign: ' .. (err and err.message or 'no summary'), vim.log.levels.WARN)
        return
      end
      M.summaries[a.bufnr] = summary
      local tools = #summary.tools > 0 and (' by ' .. table.concat(summary.tools, ', ')) or ''
      vim.notify(('countersign: %s%s'):format(summary.title, tools))
    end)
  end,
}

--- Subcommands that talk to the server (the others work without one).
local NEEDS_CLIENT = {
  markAi = true,
  markHuman = true,
  acknowledge = true,
  explain = true,
  status = true,
  report = true,
}

--- Run `:Countersign {name} [args]`.
---@param name string
---@param a countersign.CommandArgs
function M.run(name, a)
  local command = M.commands[name]
  if not command then
    local names = vim.tbl_keys(M.commands)
    table.sort(names)
    vim.notify(
      ('countersign: unknown subcommand %q (one of: %s)'):format(name, table.concat(names, ', ')),
      vim.log.levels.ERROR
    )
    return
  end
  if not NEEDS_CLIENT[name] or require_client(a.bufnr) then
    command(a)
  end
end

return M
