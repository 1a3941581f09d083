-- countersign: commands and autocmds only; the logic is in lua/countersign/.
if vim.g.loaded_countersign then
  return
end
vim.g.loaded_countersign = true

vim.api.nvim_create_user_command('Countersign', function(cmd)
  local args = vim.deepcopy(cmd.fargs)
  local name = table.remove(args, 1) or 'status'
  require('countersign').run(name, {
    bufnr = vim.api.nvim_get_current_buf(),
    range = cmd.range > 0 and { cmd.line1, cmd.line2 } or nil,
    args = args,
  })
end, {
  nargs = '*',
  range = true,
  desc = 'countersign: markAi | markHuman | acknowledge | explain | status | marks | origin | report',
  complete = function(arglead, line)
    local words = vim.split(line, '%s+', { trimempty = true })
    local position = #words + (arglead == '' and 1 or 0)
    if position == 3 and words[2] == 'marks' then
      return vim.tbl_filter(function(v)
        return vim.startswith(v, arglead)
      end, { 'on', 'off', 'toggle' })
    elseif position > 2 then
      return {}
    end
    local names = vim.tbl_keys(require('countersign').commands)
    table.sort(names)
    return vim.tbl_filter(function(n)
      return vim.startswith(n, arglead)
    end, names)
  end,
})

vim.keymap.set('n', '<Plug>(countersign-origin)', function()
  require('countersign.marks').show_origin()
end, { desc = 'countersign: who wrote this line' })

local group = vim.api.nvim_create_augroup('countersign', { clear = true })

-- The sign highlight groups are defaults: define them again after a colorscheme cleared them.
vim.api.nvim_create_autocmd('ColorScheme', {
  group = group,
  callback = function()
    if package.loaded['countersign.marks'] then
      require('countersign.marks').define_highlights()
    end
  end,
})

-- AI plugins load lazily (often on InsertEnter): hook into them once they are there.
vim.api.nvim_create_autocmd({ 'VimEnter', 'InsertEnter', 'LspAttach' }, {
  group = group,
  callback = function()
    require('countersign').install()
  end,
})
vim.api.nvim_create_autocmd('User', {
  group = group,
  pattern = 'LazyLoad',
  callback = function()
    require('countersign').install()
  end,
})

-- The statusline component answers from the last summary: refresh it when the server
-- publishes diagnostics for a buffer it serves.
vim.api.nvim_create_autocmd({ 'DiagnosticChanged', 'LspAttach' }, {
  group = group,
  callback = function(ev)
    if vim.api.nvim_buf_is_valid(ev.buf) and require('countersign.client').get(ev.buf) then
      require('countersign').refresh(ev.buf)
    end
  end,
})
-- The server left the buffer (stopped, detached): its marks would go stale.
vim.api.nvim_create_autocmd('LspDetach', {
  group = group,
  callback = function(ev)
    local c = vim.lsp.get_client_by_id(ev.data.client_id)
    if c and c.name == 'countersign' and package.loaded['countersign.marks'] then
      require('countersign.marks').forget(ev.buf)
    end
  end,
})
vim.api.nvim_create_autocmd({ 'BufWipeout' }, {
  group = group,
  callback = function(ev)
    if package.loaded['countersign'] then
      require('countersign').summaries[ev.buf] = nil
    end
    if package.loaded['countersign.marks'] then
      require('countersign.marks').forget(ev.buf)
    end
  end,
})
