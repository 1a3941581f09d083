-- Drives a scenario in a real Neovim: nvim --headless -u NONE -i NONE --cmd 'set rtp^=PLUGIN'
--   -c 'luafile driver.lua'. Environment: CS_SCENARIO (ai | late | human | adapters |
--   commands | marks | large), CS_FILE, CS_TEXT, CS_RESULT (JSON written there), CS_AI_CMD
--   (stand-in AI server command, JSON list).
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

local marks = require('countersign.marks')

--- The AI marks of the buffer now: `row:highlight` in row order, like `1:CountersignAgent`.
local function signs(buf)
  local out = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, marks.ns, 0, -1, { details = true })) do
    if not m[4].invalid then
      out[#out + 1] = ('%d:%s'):format(m[2], m[4].sign_hl_group)
    end
  end
  return table.concat(out, ' ')
end

--- The marks describe the version Neovim sent last (the server's payload for it arrived).
local function synced(buf)
  local state = marks.buffers[buf]
  return state ~= nil and state.version == vim.lsp.util.buf_versions[buf]
end

--- Wait until the marks are synced and read `want`; returns what they read.
local function marks_read(buf, what, want, timeout_ms)
  return wait(what, function()
    local now = signs(buf)
    return synced(buf) and now == want and now
  end, timeout_ms)
end

--- How long drawing took for the buffer's payloads since `from` (an index in marks.timings).
local function timing_figures(buf, from)
  local all = {}
  for i = from + 1, #marks.timings do
    if marks.timings[i].bufnr == buf then
      all[#all + 1] = marks.timings[i].ms
    end
  end
  local sorted = vim.list_slice(all)
  table.sort(sorted)
  local function at(p)
    return sorted[math.min(#sorted, math.floor(p * #sorted) + 1)]
  end
  return {
    updates = #sorted,
    p50_ms = at(0.5),
    p95_ms = at(0.95),
    max_ms = sorted[#sorted],
    all_ms = all,
  }
end

local scenario = os.getenv('CS_SCENARIO')
local text = os.getenv('CS_TEXT')

local function run()
  vim.cmd('filetype on')
  if scenario ~= 'late' then
    vim.cmd('runtime plugin/countersign.lua') -- -u NONE loads no plugins
  end
  -- 'late': the plugin was put on 'runtimepath' after startup, so its plugin/ file never
  -- ran; vim.lsp.enable() alone must capture AI edits and give :Countersign.
  vim.lsp.enable('countersign')
  if scenario == 'ai' or scenario == 'late' then
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

  if scenario == 'ai' or scenario == 'late' then
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
    result.signs = marks_read(buf, 'the inline mark', '1:CountersignInline')
    result.command = vim.fn.exists(':Countersign')
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
    local editing = vim.api.nvim_get_current_win()
    vim.cmd('Countersign report')
    result.report = wait('report buffer', function()
      local rb = vim.fn.bufnr('countersign://report')
      if rb ~= -1 and vim.api.nvim_buf_line_count(rb) > 1 then
        return {
          text = table.concat(vim.api.nvim_buf_get_lines(rb, 0, -1, false), '\n'),
          filetype = vim.bo[rb].filetype,
          shown = vim.fn.bufwinid(rb) ~= -1,
          modifiable = vim.bo[rb].modifiable,
        }
      end
    end)
    vim.api.nvim_set_current_win(editing)
    vim.cmd('.Countersign markHuman')
    result.after_human = wait('markHuman clears the AI line', function()
      local s = summary(cs, buf)
      return s and s.aiLines == 0 and s
    end)
    vim.cmd('Countersign nonsense')
    result.messages = messages
  elseif scenario == 'marks' then
    local messages = {}
    vim.notify = function(msg)
      table.insert(messages, msg)
    end
    vim.api.nvim_buf_set_lines(
      buf,
      -1,
      -1,
      false,
      { 'DELETE FROM a;', 'DELETE FROM b;', '-- human' }
    )
    vim.cmd('2,3Countersign markAi codex agent')
    local agent = 'CountersignAgent'
    result.marked = marks_read(buf, 'marks on lines 2-3', ('1:%s 2:%s'):format(agent, agent))
    vim.api.nvim_buf_set_lines(buf, 0, 0, false, { '-- above' })
    result.above_at_once = signs(buf) -- extmarks move with the text before the server answers
    result.above = marks_read(buf, 'marks after a line above', ('2:%s 3:%s'):format(agent, agent))
    vim.api.nvim_buf_set_text(buf, 2, 6, 2, 6, { 'typed ' })
    result.inside = marks_read(buf, 'marks after typing inside', ('2:%s 3:%s'):format(agent, agent))
    vim.api.nvim_buf_set_lines(buf, 3, 3, false, { '-- typed by hand' })
    result.split_at_once = signs(buf)
    result.split = marks_read(buf, 'marks after a line inside', ('2:%s 4:%s'):format(agent, agent))
    local counts = vim.deepcopy(marks.counts)
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { '-- below' })
    local want = vim.api.nvim_buf_line_count(buf) + 1
    wait('the server has the line below', function()
      local s = summary(cs, buf)
      return s and s.totalLines == want
    end)
    vim.wait(1000)
    result.below = signs(buf)
    result.below_payloads = marks.counts.draw - counts.draw
    vim.cmd('3Countersign acknowledge')
    result.acknowledged =
      marks_read(buf, 'acknowledged mark', ('2:%sAcknowledged 4:%s'):format(agent, agent))
    vim.cmd('$Countersign markAi copilot inline')
    local last = vim.api.nvim_buf_line_count(buf) - 1
    result.inline = marks_read(
      buf,
      'an inline mark',
      ('2:%sAcknowledged 4:%s %d:CountersignInline'):format(agent, agent, last)
    )
    vim.api.nvim_win_set_cursor(0, { 5, 0 })
    vim.cmd('Countersign origin')
    result.float = wait('origin float', function()
      for _, win in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(win).relative ~= '' then
          local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
          return table.concat(lines, '\n')
        end
      end
    end)
    vim.cmd('Countersign marks off')
    result.off = signs(buf)
    result.float_while_off = table.concat(marks.describe(assert(marks.origin_at(buf, 4))), '\n')
    vim.cmd('Countersign marks on')
    result.on = signs(buf)
    result.highlights = {}
    for _, name in ipairs({
      'CountersignInline',
      'CountersignChat',
      'CountersignAgent',
      'CountersignSuspected',
    }) do
      result.highlights[name] = vim.api.nvim_get_hl(0, { name = name }).fg ~= nil
    end
    result.acknowledged_link =
      vim.api.nvim_get_hl(0, { name = 'CountersignAgentAcknowledged' }).link
    -- Ranges sent for whole lines use the client's position encoding.
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { 'x = "é☕"' })
    local n = vim.api.nvim_buf_line_count(buf)
    result.ranges = {}
    for _, enc in ipairs({ 'utf-8', 'utf-16', 'utf-32' }) do
      local r = require('countersign').lines_range(buf, { n, n }, enc)
      result.ranges[enc] = r['end'].character
    end
    result.encoding = cs.offset_encoding
    -- Provenance for a buffer that is not open, and payloads that are not provenance, are
    -- ignored quietly (through the handler the LSP config registers).
    local handler = cs.handlers['countersign/provenance']
    local ignored = marks.counts.ignore
    local ok = pcall(function()
      handler(
        nil,
        { uri = 'file:///nowhere/gone.sql', version = 3, spans = {} },
        { client_id = cs.id }
      )
      handler(nil, { uri = vim.uri_from_bufnr(buf), spans = 'x' }, { client_id = cs.id })
      handler(nil, vim.NIL, { client_id = cs.id })
    end)
    result.bad_input = { ok = ok, ignored = marks.counts.ignore - ignored, errmsg = vim.v.errmsg }
    result.still = signs(buf)
    result.messages = messages
  elseif scenario == 'large' then
    -- 20,000 lines, every tenth AI-written (copilot inline and claude-code agent by turns).
    local inline, agent = {}, {}
    for row = 9, vim.api.nvim_buf_line_count(buf) - 1, 10 do
      local len = #vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1]
      table.insert(((row - 9) / 10) % 2 == 0 and inline or agent, { row, 0, row, len })
    end
    local function expected(shift)
      local out = {}
      for k = 0, #inline + #agent - 1 do
        out[#out + 1] = ('%d:%s'):format(
          10 * k + 9 + shift,
          k % 2 == 0 and 'CountersignInline' or 'CountersignAgent'
        )
      end
      return table.concat(out, ' ')
    end
    local client = require('countersign.client')
    client.report_ai(buf, inline, { tool = 'copilot', kind = 'inline' })
    client.report_ai(
      buf,
      agent,
      { tool = 'claude-code', kind = 'agent', model = 'anthropic/claude-sonnet-4-5' }
    )
    marks_read(buf, 'the 2,000 marks', expected(0), 60000)
    local first = #marks.timings
    for n = 1, 10 do
      vim.api.nvim_buf_set_lines(buf, 0, 0, false, { '' })
      marks_read(buf, ('the marks moved down %d line(s)'):format(n), expected(n), 60000)
    end
    -- Lines typed fast at the top: payloads for versions already typed over are asked again.
    local counts = vim.deepcopy(marks.counts)
    for _ = 1, 30 do
      vim.api.nvim_buf_set_lines(buf, 0, 0, false, { '' })
      vim.wait(20)
    end
    marks_read(buf, 'the marks after typing fast', expected(40), 60000)
    result.timings = timing_figures(buf, first)
    result.first_draw_ms = marks.timings[first].ms
    result.ai_lines = marks.timings[#marks.timings].lines
    result.spans = marks.timings[#marks.timings].spans
    result.lines = vim.api.nvim_buf_line_count(buf)
    result.payloads_while_typing = {
      draw = marks.counts.draw - counts.draw,
      ask = marks.counts.ask - counts.ask,
      ignore = marks.counts.ignore - counts.ignore,
    }
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
