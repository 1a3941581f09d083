-- Drives a scenario in a real Neovim: nvim --headless -u NONE -i NONE --cmd 'set rtp^=PLUGIN'
--   -c 'luafile driver.lua'. Environment: CS_SCENARIO (ai | human), CS_FILE, CS_TEXT,
--   CS_RESULT (JSON written there), CS_AI_CMD (stand-in AI server command, JSON list).
-- Steps run in a coroutine; `wait` polls a condition from a timer so the main loop keeps
-- processing typed keys and LSP messages, and fails the scenario after a timeout.
local result = { steps = {} }

local function finish(ok, message)
  result.ok = ok
  result.message = message
  local f = assert(io.open(os.getenv('CS_RESULT'), 'w'))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd((ok and 'qall!') or 'cquit! 1')
end

local co
local function wait(what, cond, timeout_ms)
  local deadline = vim.uv.now() + (timeout_ms or 20000)
  local timer = assert(vim.uv.new_timer())
  local settled = false -- ticks already scheduled may run after the timer stops
  timer:start(
    20,
    20,
    vim.schedule_wrap(function()
      if settled then
        return
      end
      local ok, value = pcall(cond)
      if ok and value then
        settled = true
        timer:stop()
        timer:close()
        assert(coroutine.resume(co, value))
      elseif vim.uv.now() > deadline or not ok then
        settled = true
        timer:stop()
        timer:close()
        finish(false, ('timed out waiting for %s%s'):format(what, ok and '' or (': ' .. value)))
      end
    end)
  )
  local value = coroutine.yield()
  table.insert(result.steps, what)
  return value
end

local function countersign_diagnostics(buf)
  return vim.tbl_filter(function(d)
    return d.source == 'countersign'
  end, vim.diagnostic.get(buf))
end

--- The server's current diagnostics for the buffer (a fresh pull, no result id).
local function pull(c, buf)
  local pulled = c:request_sync('textDocument/diagnostic', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
  }, 5000, buf)
  return pulled and pulled.result and pulled.result.items
end

local function summary(c, buf)
  local answer = c:request_sync('countersign/summary', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
  }, 5000, buf)
  return answer and answer.result
end

local scenario = os.getenv('CS_SCENARIO')
local text = os.getenv('CS_TEXT')

local function run()
  vim.cmd('filetype on')
  vim.cmd('runtime plugin/countersign.lua') -- -u NONE loads no plugins
  vim.lsp.enable('countersign')
  if scenario == 'ai' then
    vim.lsp.config('fake-ai', { cmd = vim.json.decode(os.getenv('CS_AI_CMD')) })
    vim.lsp.enable('fake-ai')
  end
  vim.cmd.edit(os.getenv('CS_FILE'))
  local buf = vim.api.nvim_get_current_buf()
  local cs = wait('countersign attached', function()
    local c = require('countersign.client').get(buf)
    return c and c.initialized and c
  end)
  result.line_count_before = vim.api.nvim_buf_line_count(buf)

  if scenario == 'ai' then
    wait('fake-ai attached', function()
      local c = vim.lsp.get_clients({ bufnr = buf, name = 'fake-ai' })[1]
      return c and c.initialized
    end)
    vim.lsp.inline_completion.enable(true, { bufnr = buf })
    -- Type the start of the line; the stand-in AI offers the rest.
    vim.api.nvim_input('G' .. 'o' .. text:sub(1, 5))
    local ns = vim.api.nvim_create_namespace('nvim.lsp.inline_completion')
    wait('suggestion shown', function()
      return vim.api.nvim_get_mode().mode == 'i'
        and #vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, {}) > 0
    end)
    assert(vim.lsp.inline_completion.get(), 'nothing to accept')
    wait('suggestion accepted', function()
      return vim.api.nvim_get_current_line() == text
    end)
    vim.api.nvim_input('<Esc>')
    local diags = wait('countersign diagnostic', function()
      local d = countersign_diagnostics(buf)
      return #d > 0 and d
    end)
    result.diagnostics = vim.tbl_map(function(d)
      return { code = d.code, lnum = d.lnum, severity = d.severity, message = d.message }
    end, diags)
    result.statusline = wait('statusline', function()
      local s = require('countersign').statusline(buf)
      return s ~= '' and s
    end)
  elseif scenario == 'adapters' then
    -- Stand-ins with the interfaces of nvim-cmp, blink.cmp and copilot.lua: each inserts a
    -- line the way the plugin would and signals it the way the plugin does.
    local handlers = {}
    package.loaded['cmp'] = {
      event = {
        on = function(_, name, fn)
          handlers[name] = fn
        end,
      },
    }
    package.loaded['copilot.suggestion'] = {
      accept = function()
        vim.api.nvim_buf_set_lines(buf, -1, -1, false, { 'copilot: ' .. text })
      end,
    }
    require('countersign').install()
    local function insert(prefix)
      vim.api.nvim_buf_set_lines(buf, -1, -1, false, { prefix .. text })
      local row = vim.api.nvim_buf_line_count(buf)
      vim.api.nvim_win_set_cursor(0, { row, #prefix + #text })
      return row
    end
    local function ai_lines(n)
      return function()
        local s = summary(cs, buf)
        return s and s.aiLines == n and s
      end
    end
    local row = insert('cmp: ')
    handlers.confirm_done({
      entry = {
        source = { name = 'codeium' },
        context = { cursor = { row = row } },
        get_offset = function()
          return #'cmp: ' + 1
        end,
      },
    })
    wait('nvim-cmp entry reported', ai_lines(1))
    row = insert('blink: ')
    vim.api.nvim_exec_autocmds('User', {
      pattern = 'BlinkCmpAccept',
      data = {
        item = { source_id = 'supermaven' },
        context = { bufnr = buf, bounds = { line_number = row, start_col = #'blink: ' + 1 } },
      },
    })
    wait('blink.cmp item reported', ai_lines(2))
    require('copilot.suggestion').accept()
    wait('copilot.lua accept reported', ai_lines(3))
    -- copilot.vim: a Vimscript accept function behind an <expr> insert map
    local stub = vim.fn.tempname()
    vim.fn.mkdir(stub .. '/autoload', 'p')
    vim.fn.writefile({
      'function! copilot#Accept(...) abort',
      '  return "copilot.vim: ' .. text .. '"',
      'endfunction',
    }, stub .. '/autoload/copilot.vim')
    vim.opt.runtimepath:prepend(stub)
    vim.cmd([[imap <silent><script><expr> <C-J> copilot#Accept("\<CR>")]])
    vim.g.loaded_copilot = 1
    require('countersign').install()
    vim.api.nvim_input('Go<C-J><Esc>')
    wait('copilot.vim accept reported', ai_lines(4))
    insert('cmp, not AI: ')
    handlers.confirm_done({
      entry = {
        source = { name = 'buffer' },
        context = { cursor = { row = row } },
        get_offset = function()
          return 1
        end,
      },
    })
  elseif scenario == 'commands' then
    -- Typed by hand, then the :Countersign commands a reviewer uses.
    local messages = {}
    vim.notify = function(msg)
      table.insert(messages, msg)
    end
    vim.api.nvim_input('Go' .. text .. '<Esc>')
    wait('text typed', function()
      return vim.api.nvim_get_mode().mode == 'n' and vim.api.nvim_get_current_line() == text
    end)
    vim.cmd('.Countersign markAi claude-code agent anthropic/claude-sonnet-4-5')
    -- ask the server (a pull): whether Neovim re-pulls on its own after the server's
    -- workspace/diagnostic/refresh races with a pull already in flight
    local marked = wait('diagnostic after markAi', function()
      local d = pull(cs, buf)
      return d and #d > 0 and d
    end)
    result.marked = vim.tbl_map(function(d)
      return { code = d.code, lnum = d.range.start.line, message = d.message }
    end, marked)
    vim.cmd('Countersign status')
    result.status = wait('status message', function()
      for _, m in ipairs(messages) do
        if m:find('^countersign: AI') then
          return m
        end
      end
    end)
    local wins = #vim.api.nvim_list_wins()
    -- Neovim may or may not hold the diagnostics yet; clear them so the command has to ask
    -- the server which rule fires on the line, as it must right after a markAi.
    vim.diagnostic.reset(nil, buf)
    vim.cmd('Countersign explain')
    result.explain_text = wait('explain float', function()
      for _, win in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(win).relative ~= '' then
          local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
          return table.concat(lines, '\n')
        end
      end
    end)
    result.explain_opened = #vim.api.nvim_list_wins() > wins
    vim.cmd('.Countersign acknowledge')
    result.refresh_support = vim.tbl_get(cs.capabilities, 'workspace', 'diagnostics') or false
    wait('acknowledged lines are silent', function()
      local items = pull(cs, buf)
      return items and #items == 0
    end)
    result.acknowledged = summary(cs, buf)
    vim.cmd('.Countersign markHuman')
    result.after_human = wait('markHuman clears the AI line', function()
      local s = summary(cs, buf)
      return s and s.aiLines == 0 and s
    end)
    vim.cmd('Countersign nonsense')
    result.messages = messages
  else
    -- Typed by hand: no suggestion is accepted.
    vim.api.nvim_input('Go' .. text .. '<Esc>')
    wait('text typed', function()
      return vim.api.nvim_get_mode().mode == 'n' and vim.api.nvim_get_current_line() == text
    end)
  end

  -- The server has seen the final text once the summary counts its lines (the server
  -- counts the empty line after the final newline too).
  local want = vim.api.nvim_buf_line_count(buf) + (vim.bo[buf].eol and 1 or 0)
  result.summary = wait('summary of the final text', function()
    result.summary = summary(cs, buf)
    return result.summary and result.summary.totalLines == want and result.summary
  end)
  local pulled = cs:request_sync('textDocument/diagnostic', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
  }, 5000, buf)
  result.pulled = vim.tbl_map(function(d)
    return { code = d.code, line = d.range.start.line }
  end, (pulled and pulled.result and pulled.result.items) or {})
  result.published = #countersign_diagnostics(buf)
  finish(true, 'done')
end

co = coroutine.create(function()
  local ok, err = xpcall(run, debug.traceback)
  if not ok then
    finish(false, err)
  end
end)
vim.schedule(function()
  assert(coroutine.resume(co))
end)
