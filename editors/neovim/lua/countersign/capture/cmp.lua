--- nvim-cmp: `confirm_done` for entries whose source is an AI source.
local capture = require('countersign.capture')
local config = require('countersign.config')

local M = {}

--- Report a confirmed entry: the text from where completion started to the cursor.
---@param evt { entry: table }
function M.on_confirm_done(evt)
  local entry = evt and evt.entry
  local name = entry and entry.source and entry.source.name
  local tool = name and config.options.ai_sources[name]
  if not config.options.capture.cmp or not tool then
    return
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local row = entry.context.cursor.row - 1 -- cmp rows are 1-based
  local col = entry:get_offset() - 1 -- and columns 1-based bytes
  capture.report_to_cursor(bufnr, row, col, tool)
end

--- Subscribe once nvim-cmp is loaded (never loads it).
---@return boolean installed
function M.install()
  if M.installed then
    return true
  end
  local cmp = package.loaded['cmp']
  if type(cmp) ~= 'table' or not cmp.event then
    return false
  end
  cmp.event:on('confirm_done', M.on_confirm_done)
  M.installed = true
  return true
end

return M
