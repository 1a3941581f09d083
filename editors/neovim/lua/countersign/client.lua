--- Talking to the countersign language server: the `countersign/aiEdit` report, commands and
--- `countersign/summary`. Positions are converted from Neovim bytes to the client's encoding.
local M = {}

M.name = 'countersign'

---@class countersign.Origin
---@field tool string Tool that wrote the text (`copilot`, `codeium`, ...).
---@field kind 'inline'|'chat'|'agent'
---@field model? string models.dev style id, when the tool says.

--- A range in Neovim coordinates: 0-based rows, 0-based byte columns, end exclusive.
---@class countersign.ByteRange
---@field [1] integer start row
---@field [2] integer start col
---@field [3] integer end row
---@field [4] integer end col

--- The countersign client attached to `bufnr`, if any.
---@param bufnr integer
---@return vim.lsp.Client?
function M.get(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
end

---@param bufnr integer
---@param row integer
---@param col integer
---@param encoding string
---@return lsp.Position
local function position(bufnr, row, col, encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  col = math.min(col, #line)
  local character = col
  if encoding ~= 'utf-8' then
    character = vim.str_utfindex(line, encoding, col, false)
  end
  return { line = row, character = character }
end

--- LSP range of a byte range in `bufnr` as it is now.
---@param bufnr integer
---@param range countersign.ByteRange
---@param encoding string
---@return lsp.Range
function M.lsp_range(bufnr, range, encoding)
  return {
    start = position(bufnr, range[1], range[2], encoding),
    ['end'] = position(bufnr, range[3], range[4], encoding),
  }
end

--- Tell the server that the text now in `ranges` of `bufnr` came from AI.
---
--- Call it right after the edit, before more changes: the ranges are sent with the current
--- document version, and `client:notify` first flushes the pending `didChange`.
---@param bufnr integer
---@param ranges countersign.ByteRange[]
---@param origin countersign.Origin
---@return boolean sent
function M.report_ai(bufnr, ranges, origin)
  local client = M.get(bufnr)
  if not client or #ranges == 0 then
    return false
  end
  local lsp_ranges = {}
  for _, r in ipairs(ranges) do
    lsp_ranges[#lsp_ranges + 1] = M.lsp_range(bufnr, r, client.offset_encoding)
  end
  return client:notify('countersign/aiEdit', {
    textDocument = {
      uri = vim.uri_from_bufnr(bufnr),
      version = vim.lsp.util.buf_versions[bufnr],
    },
    ranges = lsp_ranges,
    tool = origin.tool,
    model = origin.model,
    kind = origin.kind,
  })
end

--- Run a server command (`countersign.markAi`, ...) for `bufnr`.
---@param bufnr integer
---@param command string
---@param arguments any[]
---@param on_result? fun(err: lsp.ResponseError?, result: any)
---@return boolean started
function M.exec(bufnr, command, arguments, on_result)
  local client = M.get(bufnr)
  if not client then
    return false
  end
  client:request('workspace/executeCommand', {
    command = command,
    arguments = arguments,
  }, function(err, result)
    if on_result then
      on_result(err, result)
    end
  end, bufnr)
  return true
end

--- Send the request `method` for `bufnr`; `on_result` gets the answer (nil on error) and
--- the error.
---@param bufnr integer
---@param method string
---@param params table
---@param on_result fun(result: any, err: lsp.ResponseError?)
---@return boolean started false when countersign is not attached to `bufnr`
function M.request(bufnr, method, params, on_result)
  local client = M.get(bufnr)
  if not client then
    return false
  end
  client:request(method, params, function(err, result)
    on_result(result, err)
  end, bufnr)
  return true
end

---@class countersign.Summary
---@field aiLines integer
---@field totalLines integer
---@field acknowledged integer
---@field highRisk integer
---@field tier string
---@field review string
---@field tools string[]
---@field rules string[]
---@field title string

--- Ask for the buffer's summary; `on_result` gets nil when there is none.
---@param bufnr integer
---@param on_result fun(summary: countersign.Summary?, err: lsp.ResponseError?)
---@return boolean started
function M.summary(bufnr, on_result)
  return M.request(bufnr, 'countersign/summary', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, on_result)
end

--- Ask the server which countersign rules fire on `row` of `bufnr` now (a diagnostic pull,
--- so it does not depend on Neovim having received or re-pulled the latest diagnostics).
---@param bufnr integer
---@param row integer 0-based
---@param on_result fun(rules: string[], err: lsp.ResponseError?)
---@return boolean started
function M.rules_at(bufnr, row, on_result)
  return M.request(bufnr, 'textDocument/diagnostic', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, function(result, err)
    local rules = {}
    for _, d in ipairs((result and result.items) or {}) do
      if d.code and d.range.start.line <= row and row <= d.range['end'].line then
        rules[#rules + 1] = tostring(d.code)
      end
    end
    on_result(rules, err)
  end)
end

return M
