--- AI-edit capture: find what an accept function changed in a buffer and report it.
---
--- Plugins apply accepted suggestions in different ways (set_text, paste, returned keys,
--- scheduled callbacks), so adapters do not compute ranges themselves: they snapshot the
--- buffer, let the plugin accept, and report the lines that differ afterwards.
local client = require('countersign.client')

local M = {}

---@class countersign.Snapshot
---@field bufnr integer
---@field tick integer
---@field lines string[]

---@param bufnr integer
---@return countersign.Snapshot
function M.snapshot(bufnr)
  return {
    bufnr = bufnr,
    tick = vim.api.nvim_buf_get_changedtick(bufnr),
    lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false),
  }
end

local diff = (vim.text and vim.text.diff) or vim.diff

--- Length of the common prefix of `a` and `b`, at most `limit` bytes.
---@param a string
---@param b string
---@param limit integer
local function common_prefix(a, b, limit)
  local n = 0
  while n < limit and a:byte(n + 1) == b:byte(n + 1) do
    n = n + 1
  end
  return n
end

--- Length of the common suffix of `a` and `b`, at most `limit` bytes.
local function common_suffix(a, b, limit)
  local n = 0
  while n < limit and a:byte(#a - n) == b:byte(#b - n) do
    n = n + 1
  end
  return n
end

--- Byte ranges of the buffer now that are new since `old` (one per changed hunk).
---@param old string[]
---@param new string[]
---@return countersign.ByteRange[]
function M.inserted(old, new)
  local hunks = diff(table.concat(old, '\n') .. '\n', table.concat(new, '\n') .. '\n', {
    result_type = 'indices',
  }) --[[@as integer[][] ]]
  local ranges = {}
  for _, h in ipairs(hunks) do
    local old_start, old_count, new_start, new_count = h[1], h[2], h[3], h[4]
    if new_count > 0 then
      local first, last = new_start - 1, new_start + new_count - 2 -- 0-based rows in `new`
      local start_col, end_col = 0, #new[last + 1]
      if old_count > 0 then
        -- Keep the untouched text around the insertion (the typed prefix, the rest of
        -- the line) out of the range, so it stays human.
        local old_first, old_last = old[old_start], old[old_start + old_count - 1]
        start_col = common_prefix(old_first, new[first + 1], math.min(#old_first, #new[first + 1]))
        local limit = math.min(#old_last, #new[last + 1])
        if first == last then
          limit = limit - start_col
        end
        end_col = #new[last + 1] - common_suffix(old_last, new[last + 1], limit)
      end
      if last > first or end_col > start_col then
        ranges[#ranges + 1] = { first, start_col, last, end_col }
      end
    end
  end
  return ranges
end

--- Report what changed in the buffer since `snap` as written by `origin`.
---@param snap countersign.Snapshot
---@param origin countersign.Origin
---@return boolean reported
function M.report_since(snap, origin)
  local bufnr = snap.bufnr
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return false
  end
  if vim.api.nvim_buf_get_changedtick(bufnr) == snap.tick then
    return false
  end
  local ranges = M.inserted(snap.lines, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  return client.report_ai(bufnr, ranges, origin)
end

--- Run `accept` (a plugin's accept function) and report the text it inserted as AI.
---
--- When `accept` changes the buffer later (returned keys, `vim.schedule`), the change is
--- reported on the next text change of the buffer, or dropped after `timeout_ms`.
---@generic R
---@param bufnr integer
---@param origin countersign.Origin|fun(): countersign.Origin
---@param accept fun(): R
---@param timeout_ms? integer
---@return R
function M.around(bufnr, origin, accept, timeout_ms)
  if bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not client.get(bufnr) then
    return accept()
  end
  local snap = M.snapshot(bufnr)
  local result = { accept() }
  M.after(snap, origin, timeout_ms)
  return unpack(result)
end

---@param origin countersign.Origin|fun(): countersign.Origin
---@return countersign.Origin
local function resolve(origin)
  if type(origin) == 'function' then
    return origin()
  end
  return origin
end

--- Report the change since `snap` now if there is one, else at the buffer's next change.
---@param snap countersign.Snapshot
---@param origin countersign.Origin|fun(): countersign.Origin
---@param timeout_ms? integer
function M.after(snap, origin, timeout_ms)
  if vim.api.nvim_buf_get_changedtick(snap.bufnr) ~= snap.tick then
    M.report_since(snap, resolve(origin))
    return
  end
  local done = false
  local function finish()
    if not done then
      done = true
      M.report_since(snap, resolve(origin))
    end
  end
  -- Scheduled work of the plugin runs before ours (the queue is FIFO); returned keys
  -- are inserted before TextChangedI fires.
  vim.schedule(function()
    if
      vim.api.nvim_buf_is_valid(snap.bufnr)
      and vim.api.nvim_buf_get_changedtick(snap.bufnr) ~= snap.tick
    then
      finish()
      return
    end
    vim.api.nvim_create_autocmd({ 'TextChangedI', 'TextChanged', 'TextChangedP' }, {
      buffer = snap.bufnr,
      once = true,
      callback = finish,
    })
    vim.defer_fn(function()
      done = true
    end, timeout_ms or 1000)
  end)
end

--- Report the text from (`row`, `col`) (0-based, byte column) to the cursor as inline AI
--- text: what a completion menu inserted when an item was accepted.
---@param bufnr integer
---@param row integer
---@param col integer
---@param tool string
function M.report_to_cursor(bufnr, row, col, tool)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local end_row, end_col = cursor[1] - 1, cursor[2]
  if end_row < row or (end_row == row and end_col <= col) then
    return
  end
  client.report_ai(bufnr, { { row, col, end_row, end_col } }, { tool = tool, kind = 'inline' })
end

return M
