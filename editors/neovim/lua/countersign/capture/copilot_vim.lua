--- copilot.vim (github/copilot.vim) has no accept event, and its accept functions are
--- Vimscript returning keys for `<expr>` maps: wrap the insert-mode maps that call them.
local capture = require('countersign.capture')
local config = require('countersign.config')

local M = {}

--- Whether an insert-mode map accepts a copilot.vim suggestion.
---@param map table from `nvim_get_keymap`
local function accepts(map)
  return type(map.rhs) == 'string' and map.rhs:find('copilot#Accept', 1, true) ~= nil
end

---@param map table
---@param bufnr? integer
local function wrap(map, bufnr)
  local rhs, is_expr = map.rhs, map.expr == 1
  vim.keymap.set('i', map.lhs, function()
    local keys = is_expr and vim.api.nvim_eval(rhs) or rhs
    if config.options.capture.copilot_vim then
      local buf = vim.api.nvim_get_current_buf()
      capture.after(capture.snapshot(buf), { tool = 'copilot', kind = 'inline' })
    end
    return keys
  end, {
    expr = true,
    replace_keycodes = false,
    silent = map.silent == 1,
    nowait = map.nowait == 1,
    buffer = bufnr,
    desc = 'copilot.vim accept (reported to countersign)',
  })
end

--- Wrap the accept maps once copilot.vim is loaded (they are defined when it loads).
---@return boolean installed
function M.install()
  if M.installed then
    return true
  end
  if vim.g.loaded_copilot == nil then
    return false
  end
  for _, map in ipairs(vim.api.nvim_get_keymap('i')) do
    if accepts(map) then
      wrap(map)
    end
  end
  M.installed = true
  return true
end

return M
