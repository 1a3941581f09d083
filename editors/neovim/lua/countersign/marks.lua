--- Signs on the lines an AI wrote, from the server's `countersign/provenance`.
---
--- The server sends the AI spans of a document when they change. A payload for the version
--- Neovim last sent is drawn at once as extmarks with a sign; extmarks move with the text
--- while the next payload is on its way, so typing never blanks them. A payload for an older
--- version is not drawn: the marks are asked for (`countersign/provenance` request) once
--- typing pauses. Payloads for buffers that are gone are ignored. Which lines are AI's is
--- worked out in provenance.lua.
local config = require('countersign.config')
local provenance = require('countersign.provenance')

local M = {}

M.ns = vim.api.nvim_create_namespace('countersign.marks')

--- Ask again this long after the last change when a payload was out of date.
local ASK_DELAY_MS = 250
--- Give up asking after this many out-of-date answers in a row (the server lags behind).
local MAX_RETRIES = 5
--- Timings kept in `M.timings`.
local KEPT_TIMINGS = 200

local KINDS = provenance.KINDS

---@class countersign.BufferMarks
---@field version integer the document version the runs describe
---@field runs countersign.LineRun[]
---@field origins table<integer, countersign.AiOrigin> extmark id -> origin

---@class countersign.MarksTiming
---@field bufnr integer
---@field version integer
---@field spans integer
---@field lines integer AI lines marked
---@field ms number from the payload to the last extmark

---@type table<integer, countersign.BufferMarks>
M.buffers = {}
---@type countersign.MarksTiming[]
M.timings = {}
--- Payloads drawn, asked again for (out of date) and ignored (malformed, buffer gone).
M.counts = { draw = 0, ask = 0, ignore = 0 }

---@type table<integer, { timer: uv.uv_timer_t, tick: integer, retries: integer }>
local asks = {}

--- Whether marks are shown (`:Countersign marks on|off`; default from `setup{ marks = ... }`).
---@return boolean
function M.enabled()
  if M._enabled == nil then
    return config.options.marks.enabled
  end
  return M._enabled
end

--- The highlight group of an origin's sign: `CountersignAgent`, `CountersignAgentAcknowledged`, ...
---@param origin countersign.AiOrigin
---@return string
function M.hl_group(origin)
  return 'Countersign' .. KINDS[origin.kind] .. (origin.acknowledged_by and 'Acknowledged' or '')
end

--- Define the highlight groups (as defaults: a colorscheme or the user may link them).
function M.define_highlights()
  local colours = { Inline = '#a371f7', Chat = '#2ea6b8', Agent = '#e8912d', Suspected = '#9aa0a6' }
  vim.api.nvim_set_hl(0, 'CountersignAcknowledged', { default = true, link = 'NonText' })
  for _, name in pairs(KINDS) do
    vim.api.nvim_set_hl(0, 'Countersign' .. name, { default = true, fg = colours[name] })
    vim.api.nvim_set_hl(
      0,
      'Countersign' .. name .. 'Acknowledged',
      { default = true, link = 'CountersignAcknowledged' }
    )
  end
end

M.define_highlights()

--- Draw `state` in `bufnr` (nothing while marks are off).
---@param bufnr integer
---@param state countersign.BufferMarks
local function draw(bufnr, state)
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  state.origins = {}
  if not M.enabled() then
    return
  end
  local opts = config.options.marks
  local line_count = vim.api.nvim_buf_line_count(bufnr)
  for _, run in ipairs(state.runs) do
    local mark = {
      sign_text = opts.signs[run.origin.kind],
      sign_hl_group = M.hl_group(run.origin),
      priority = opts.priority,
      invalidate = true, -- hidden once its line is deleted
      undo_restore = false,
    }
    for row = run.first, math.min(run.last, line_count - 1) do
      state.origins[vim.api.nvim_buf_set_extmark(bufnr, M.ns, row, 0, mark)] = run.origin
    end
  end
end

--- The buffer of `uri` attached to client `client_id`, if any.
---@return integer?
local function buffer_of(client_id, uri)
  for _, bufnr in ipairs(vim.lsp.get_buffers_by_client_id(client_id)) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.uri_from_bufnr(bufnr) == uri then
      return bufnr
    end
  end
end

local function cancel_ask(bufnr)
  local ask = asks[bufnr]
  if ask then
    ask.timer:stop()
    ask.timer:close()
    asks[bufnr] = nil
  end
end

--- Ask for the marks of `bufnr` once its text has not changed for `delay_ms`.
---@param bufnr integer
---@param client_id integer
---@param delay_ms integer
---@param retry boolean the last answer was out of date
function M.ask(bufnr, client_id, delay_ms, retry)
  local previous = asks[bufnr]
  local retries = (previous and previous.retries or 0) + (retry and 1 or 0)
  cancel_ask(bufnr)
  if retries > MAX_RETRIES then
    return
  end
  local timer = assert(vim.uv.new_timer())
  local entry = { timer = timer, tick = vim.api.nvim_buf_get_changedtick(bufnr), retries = retries }
  asks[bufnr] = entry
  timer:start(
    delay_ms,
    0,
    vim.schedule_wrap(function()
      if asks[bufnr] ~= entry or not vim.api.nvim_buf_is_valid(bufnr) then
        return
      end
      if vim.api.nvim_buf_get_changedtick(bufnr) ~= entry.tick then
        return M.ask(bufnr, client_id, ASK_DELAY_MS, false) -- still typing
      end
      local client = vim.lsp.get_client_by_id(client_id)
      if not client or client:is_stopped() then
        return cancel_ask(bufnr)
      end
      client:request('countersign/provenance', {
        textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      }, function(err, result, ctx)
        if not err then
          M.receive(result, ctx.client_id)
        end
      end, bufnr)
    end)
  )
end

--- Handle a `countersign/provenance` notification or answer from client `client_id`.
---@param params any
---@param client_id integer
function M.receive(params, client_id)
  local started = vim.uv.hrtime()
  local payload = provenance.parse(params)
  local bufnr = payload and buffer_of(client_id, payload.uri)
  if not payload or not bufnr then
    M.counts.ignore = M.counts.ignore + 1
    return
  end
  if payload.version ~= vim.lsp.util.buf_versions[bufnr] then
    M.counts.ask = M.counts.ask + 1
    return M.ask(bufnr, client_id, ASK_DELAY_MS, true)
  end
  M.counts.draw = M.counts.draw + 1
  cancel_ask(bufnr)
  local client = vim.lsp.get_client_by_id(client_id)
  local encoding = client and client.offset_encoding or 'utf-16'
  local state =
    { version = payload.version, runs = provenance.ai_lines(bufnr, payload.spans, encoding) }
  M.buffers[bufnr] = state
  draw(bufnr, state)
  local lines = 0
  for _, run in ipairs(state.runs) do
    lines = lines + run.last - run.first + 1
  end
  table.insert(M.timings, {
    bufnr = bufnr,
    version = payload.version,
    spans = #payload.spans,
    lines = lines,
    ms = (vim.uv.hrtime() - started) / 1e6,
  })
  if #M.timings > KEPT_TIMINGS then
    table.remove(M.timings, 1)
  end
end

--- The `countersign/provenance` notification handler (`handlers` in lsp/countersign.lua).
---@type lsp.Handler
function M.on_provenance(_, params, ctx)
  M.receive(params, ctx.client_id)
end

--- The client attached to `bufnr`: ask for its marks.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  M.ask(bufnr, client.id, 0, false)
end

--- The buffer is gone, or the server left it: forget its marks.
---@param bufnr integer
function M.forget(bufnr)
  cancel_ask(bufnr)
  M.buffers[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- Show or hide the marks in every buffer.
---@param enabled boolean
function M.set_enabled(enabled)
  M._enabled = enabled
  for bufnr, state in pairs(M.buffers) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      draw(bufnr, state)
    end
  end
end

--- The origin of the AI line at `row` (0-based) of `bufnr`: from its sign, or while marks
--- are off from the last payload when no edit came after it.
---@param bufnr integer
---@param row integer
---@return countersign.AiOrigin?
function M.origin_at(bufnr, row)
  local state = M.buffers[bufnr]
  if not state then
    return nil
  end
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, M.ns, { row, 0 }, { row, -1 }, {})) do
    if state.origins[mark[1]] then
      return state.origins[mark[1]]
    end
  end
  if state.version == vim.lsp.util.buf_versions[bufnr] then
    for _, run in ipairs(state.runs) do
      if run.first <= row and row <= run.last then
        return run.origin
      end
    end
  end
end

--- Lines describing an origin, for a float: tool, kind and model, when, acknowledged by.
---@param origin countersign.AiOrigin
---@return string[]
function M.describe(origin)
  local details = { origin.kind }
  if origin.model then
    details[#details + 1] = origin.model
  end
  local lines = { ('**%s** (%s)'):format(origin.tool, table.concat(details, ', ')) }
  if origin.at then
    lines[#lines + 1] = 'written ' .. os.date('!%Y-%m-%d %H:%M UTC', math.floor(origin.at))
  end
  if origin.acknowledged_by then
    lines[#lines + 1] = 'acknowledged by ' .. origin.acknowledged_by
  end
  return lines
end

--- A float naming who wrote the cursor line (`:Countersign origin`, `<Plug>(countersign-origin)`).
---@param bufnr? integer
---@return integer? winid
function M.show_origin(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local origin = M.origin_at(bufnr --[[@as integer]], row)
  if not origin then
    vim.notify('countersign: no AI mark on this line', vim.log.levels.INFO)
    return nil
  end
  local _, winid = vim.lsp.util.open_floating_preview(
    M.describe(origin),
    'markdown',
    { border = 'rounded', focus_id = 'countersign-origin' }
  )
  return winid
end

return M
