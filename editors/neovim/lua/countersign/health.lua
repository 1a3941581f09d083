--- `:checkhealth countersign`: Neovim version, the server executable and its version, a
--- running server, and the plugin configuration.
local M = {}

local health = vim.health

local function check_neovim()
  health.start('Neovim')
  local v = vim.version()
  local text = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 0 then
    health.error(('Neovim %s: countersign needs 0.11+ (vim.lsp.enable)'):format(text))
    return
  end
  health.ok(('Neovim %s'):format(text))
  if vim.lsp.inline_completion and vim.lsp.inline_completion.get then
    health.ok('native inline completion (vim.lsp.inline_completion) is captured')
  else
    health.info('no native inline completion before Neovim 0.12: nothing to capture there')
  end
end

---@return string[]? cmd
local function server_cmd()
  local cfg = vim.lsp.config and vim.lsp.config['countersign']
  local cmd = cfg and cfg.cmd
  if type(cmd) == 'table' then
    return cmd
  end
  return nil
end

local function check_executable()
  health.start('countersign server')
  local cmd = server_cmd()
  if not cmd then
    health.error('no countersign LSP config found', {
      'put the plugin on the runtimepath (it provides lsp/countersign.lua)',
    })
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    health.error(('%q is not executable or not on $PATH'):format(cmd[1]), {
      'pip install countersign (or pipx install countersign)',
      "or set the path: vim.lsp.config('countersign', { cmd = { '/path/to/countersign', 'lsp' } })",
    })
    return
  end
  health.ok(('executable: %s'):format(exe))
  local ok, result = pcall(function()
    return vim.system({ exe, '--version' }, { text = true }):wait(10000)
  end)
  if not ok or result.code ~= 0 then
    health.error(('`%s --version` failed: %s'):format(exe, ok and result.stderr or result))
    return
  end
  health.ok(('version: %s'):format(vim.trim(result.stdout)))
end

local function check_server()
  health.start('countersign language server')
  local clients = vim.lsp.get_clients({ name = 'countersign' })
  if #clients == 0 then
    local enabled = vim.lsp.is_enabled and vim.lsp.is_enabled('countersign')
    if enabled then
      health.warn('enabled, but not running: open a file in a git repository to start it')
    else
      health.warn("not enabled: add vim.lsp.enable('countersign') to your config")
    end
    return
  end
  for _, c in ipairs(clients) do
    if c:is_stopped() then
      health.error(('client %d has stopped (see :LspLog)'):format(c.id))
    elseif not c.initialized then
      health.warn(('client %d is still starting'):format(c.id))
    else
      local info = c.server_info or {}
      local buffers = vim.tbl_count(c.attached_buffers)
      health.ok(
        ('reachable: %s %s (client %d, root %s, %d buffer(s))'):format(
          info.name or 'countersign',
          info.version or '',
          c.id,
          c.root_dir or 'none',
          buffers
        )
      )
    end
  end
end

local function check_config()
  health.start('countersign configuration')
  local config = require('countersign.config')
  local errors = config.validate(config.options)
  if #errors > 0 then
    for _, message in ipairs(errors) do
      health.error(message)
    end
  else
    health.ok('configuration is valid')
  end
  local on = {}
  for name, enabled in pairs(config.options.capture) do
    if enabled then
      on[#on + 1] = name
    end
  end
  table.sort(on)
  health.info('AI-edit capture on for: ' .. table.concat(on, ', '))
  local shown = package.loaded['countersign.marks'] and require('countersign.marks').enabled()
  if shown == nil then
    shown = config.options.marks.enabled
  end
  health.info(('AI line marks: %s (:Countersign marks on|off)'):format(shown and 'on' or 'off'))
end

function M.check()
  check_neovim()
  check_executable()
  check_server()
  check_config()
end

return M
