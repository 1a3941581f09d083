--- The AI lines of a buffer from a `countersign/provenance` payload: the payload checked,
--- and its character spans turned into runs of lines.
---
--- A line is AI's when an AI span covers a non-whitespace character of it; when several
--- AI origins share a line, the one with the most such characters wins (the earliest on
--- ties): the server's rule, so the signs show exactly the lines the summary counts.
local M = {}

--- Kind -> the part of its highlight group names (`CountersignInline`, ...).
M.KINDS = { inline = 'Inline', chat = 'Chat', agent = 'Agent', suspected = 'Suspected' }

---@class countersign.AiOrigin
---@field kind 'inline'|'chat'|'agent'|'suspected'
---@field tool string
---@field model? string
---@field at? number seconds since the epoch
---@field acknowledged_by? string

---@class countersign.LineRun Consecutive lines written by one origin.
---@field first integer 0-based
---@field last integer 0-based, inclusive
---@field origin countersign.AiOrigin

---@class countersign.AiSpan
---@field start lsp.Position
---@field end lsp.Position
---@field origin countersign.AiOrigin

---@param a countersign.AiOrigin
---@param b countersign.AiOrigin
local function same_origin(a, b)
  return a.kind == b.kind
    and a.tool == b.tool
    and a.model == b.model
    and a.at == b.at
    and a.acknowledged_by == b.acknowledged_by
end

local function is_count(v)
  return type(v) == 'number' and v >= 0 and v == math.floor(v)
end

local function position(p)
  return type(p) == 'table' and is_count(p.line) and is_count(p.character)
end

--- The AI spans of a payload, checked; nil when it is not one.
---@param params any
---@return { uri: string, version: integer, spans: countersign.AiSpan[] }?
function M.parse(params)
  if
    type(params) ~= 'table'
    or type(params.uri) ~= 'string'
    or not is_count(params.version)
    or type(params.spans) ~= 'table'
  then
    return nil
  end
  local spans = {}
  for _, s in ipairs(params.spans) do
    local r = type(s) == 'table' and s.range
    if
      type(r) == 'table'
      and position(r.start)
      and position(r['end'])
      and M.KINDS[s.kind]
      and type(s.tool) == 'string'
      and s.tool ~= ''
    then
      spans[#spans + 1] = {
        start = r.start,
        ['end'] = r['end'],
        origin = {
          kind = s.kind,
          tool = s.tool,
          model = type(s.model) == 'string' and s.model or nil,
          at = type(s.at) == 'number' and s.at or nil,
          acknowledged_by = type(s.acknowledged_by) == 'string' and s.acknowledged_by or nil,
        },
      }
    end
  end
  return { uri = params.uri, version = params.version, spans = spans }
end

--- Byte column of `character` (in `encoding` code units) in `text`.
local function byte_col(text, character, encoding)
  if encoding == 'utf-8' then
    return math.min(character, #text)
  end
  return vim.str_byteindex(text, encoding, character, false)
end

--- Non-whitespace characters of `s` (UTF-8 continuation bytes are not counted).
local function visible(s)
  return select(2, s:gsub('[^%s\128-\191]', ''))
end

local function before(a, b)
  if a.start.line ~= b.start.line then
    return a.start.line < b.start.line
  end
  return a.start.character < b.start.character
end

--- The AI lines of `bufnr` as runs of consecutive lines with one origin.
---@param bufnr integer
---@param spans countersign.AiSpan[]
---@param encoding string the client's position encoding
---@return countersign.LineRun[]
function M.ai_lines(bufnr, spans, encoding)
  local sorted = true
  for i = 2, #spans do
    if before(spans[i], spans[i - 1]) then
      sorted = false
      break
    end
  end
  if not sorted then
    spans = vim.list_slice(spans)
    table.sort(spans, before)
  end
  local line_count = vim.api.nvim_buf_line_count(bufnr)
  local runs = {} ---@type countersign.LineRun[]
  local line = -1
  --- The origins on `line` so far, with the pieces of it they wrote, in order of appearance.
  local tally = {} ---@type { origin: countersign.AiOrigin, pieces: string[] }[]
  local function finish()
    local best, most = nil, -1
    for _, entry in ipairs(tally) do
      -- Characters are counted only where origins compete for a line.
      local n = #tally == 1 and 1 or 0
      if #tally > 1 then
        for _, piece in ipairs(entry.pieces) do
          n = n + visible(piece)
        end
      end
      if n > most then
        best, most = entry.origin, n
      end
    end
    tally = {}
    if not best then
      return
    end
    local last = runs[#runs]
    if last and last.last == line - 1 and same_origin(last.origin, best) then
      last.last = line
    else
      runs[#runs + 1] = { first = line, last = line, origin = best }
    end
  end
  for _, s in ipairs(spans) do
    local first, stop = math.max(s.start.line, line), math.min(s['end'].line, line_count - 1)
    local texts = first <= stop and vim.api.nvim_buf_get_lines(bufnr, first, stop + 1, false) or {}
    for n = first, stop do
      if n ~= line then
        finish()
        line = n
      end
      local text = texts[n - first + 1]
      local from = n == s.start.line and byte_col(text, s.start.character, encoding) or 0
      local to = n == s['end'].line and byte_col(text, s['end'].character, encoding) or #text
      local piece = text:sub(from + 1, to)
      if piece:find('[^%s]') then
        local entry
        for _, e in ipairs(tally) do
          if same_origin(e.origin, s.origin) then
            entry = e
          end
        end
        if entry then
          table.insert(entry.pieces, piece)
        else
          tally[#tally + 1] = { origin = s.origin, pieces = { piece } }
        end
      end
    end
  end
  finish()
  return runs
end

return M
