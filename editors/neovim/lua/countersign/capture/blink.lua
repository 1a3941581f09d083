--- blink.cmp: its `User BlinkCmpAccept` event, for items from AI sources.
local capture = require('countersign.capture')
local config = require('countersign.config')

local M = {}

--- Report an accepted item: the text from where the completion bounds start to the cursor.
---@param data { item: table, context: table }
function M.on_accept(data)
  local item, ctx = data and data.item, data and data.context
  if not item or not ctx or not config.options.capture.blink then
    return
  end
  local tool = config.options.ai_sources[item.source_id or '']
    or config.options.ai_sources[item.source_name or '']
  if not tool then
    return
  end
  local bufnr = ctx.bufnr or vim.api.nvim_get_current_buf()
  local bounds = ctx.bounds or {}
  local row = (bounds.line_number or ctx.cursor[1]) - 1
  local col = (bounds.start_col or (ctx.cursor[2] + 1)) - 1
  capture.report_to_cursor(bufnr, row, col, tool)
end

--- Listen for the event; harmless when blink.cmp is not installed (it never fires).
---@return boolean installed
function M.install()
  if M.installed then
    return true
  end
  vim.api.nvim_create_autocmd('User', {
    group = vim.api.nvim_create_augroup('countersign.blink', { clear = true }),
    pattern = 'BlinkCmpAccept',
    callback = function(ev)
      M.on_accept(ev.data)
    end,
  })
  M.installed = true
  return true
end

return M
