--- Neovim 0.12 native inline completion: wraps `vim.lsp.inline_completion.get()`, the
--- function users map to accept a suggestion (there is no accept event).
local capture = require('countersign.capture')
local config = require('countersign.config')

local M = {}

--- Tool name for an inline completion client.
---@param client? vim.lsp.Client
---@return string
function M.tool_of(client)
  if not client then
    return 'inline-completion'
  end
  return config.options.inline_tools[client.name] or client.name
end

--- The client that most likely offered the suggestion shown in `bufnr`.
---@param bufnr integer
---@return vim.lsp.Client?
local function provider(bufnr)
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    if c.name ~= 'countersign' and c:supports_method('textDocument/inlineCompletion', bufnr) then
      return c
    end
  end
end

---@param bufnr integer
---@param client? vim.lsp.Client
---@return countersign.Origin
local function origin(bufnr, client)
  return { tool = M.tool_of(client or provider(bufnr)), kind = 'inline' }
end

--- Install the wrapper once; a no-op on Neovim without native inline completion.
---@return boolean installed
function M.install()
  local ic = vim.lsp.inline_completion
  if not ic or type(ic.get) ~= 'function' or M.original then
    return M.original ~= nil
  end
  M.original = ic.get
  ---@param opts? vim.lsp.inline_completion.get.Opts
  ic.get = function(opts)
    opts = opts or {}
    local bufnr = (opts.bufnr == nil or opts.bufnr == 0) and vim.api.nvim_get_current_buf()
      or opts.bufnr --[[@as integer]]
    if not config.options.capture.inline_completion then
      return M.original(opts)
    end
    local user_accept = opts.on_accept
    if user_accept then
      -- The item names its client, so the tool is exact.
      opts = vim.tbl_extend('force', opts, {
        on_accept = function(item)
          local c = vim.lsp.get_client_by_id(item.client_id)
          capture.around(bufnr, origin(bufnr, c), function()
            user_accept(item)
          end)
        end,
      })
      return M.original(opts)
    end
    -- The default handler applies the item in a callback it schedules; ours runs after it.
    local snap = capture.snapshot(bufnr)
    local accepted = M.original(opts)
    if accepted then
      capture.after(snap, function()
        return origin(bufnr)
      end)
    end
    return accepted
  end
  return true
end

return M
