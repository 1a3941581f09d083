--- copilot.lua (zbirenbaum/copilot.lua) has no accept event: wrap its accept functions.
local capture = require('countersign.capture')
local config = require('countersign.config')

local M = {}

M.functions = { 'accept', 'accept_word', 'accept_line' }

--- Wrap `require('copilot.suggestion').accept*` once it is loaded (never loads it).
---@return boolean installed
function M.install()
  if M.installed then
    return true
  end
  local suggestion = package.loaded['copilot.suggestion']
  if type(suggestion) ~= 'table' then
    return false
  end
  for _, name in ipairs(M.functions) do
    local original = suggestion[name]
    if type(original) == 'function' then
      suggestion[name] = function(...)
        if not config.options.capture.copilot_lua then
          return original(...)
        end
        local args = { n = select('#', ...), ... }
        return capture.around(0, { tool = 'copilot', kind = 'inline' }, function()
          return original(unpack(args, 1, args.n))
        end)
      end
    end
  end
  M.installed = true
  return true
end

return M
