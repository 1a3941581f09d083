--- `:Countersign report`: the buffer's summary, the commit preview and the sign-off state of
--- the branch's commits, as Markdown in a scratch buffer (what VS Code shows in its report).
local client = require('countersign.client')

local M = {}

M.name = 'countersign://report'

--- Markdown lines of the summary and the commit preview (answers may be nil: say why).
---@param file string
---@param summary table?
---@param summary_err lsp.ResponseError?
---@param preview table?
---@param preview_err lsp.ResponseError?
---@return string[]
function M.head(file, summary, summary_err, preview, preview_err)
  local out = { '# countersign report: ' .. file, '' }
  if summary then
    table.insert(out, summary.title)
    if #summary.tools > 0 then
      table.insert(out, '- AI tools: ' .. table.concat(summary.tools, ', '))
    end
    if #summary.rules > 0 then
      table.insert(out, '- rules: ' .. table.concat(summary.rules, ', '))
    end
  else
    table.insert(out, 'No summary: ' .. (summary_err and summary_err.message or 'no answer'))
  end
  vim.list_extend(out, { '', '## Commit preview (staged changes)', '' })
  if preview then
    table.insert(out, '```')
    for _, trailer in ipairs(preview.trailers) do
      table.insert(out, trailer.key .. ': ' .. trailer.value)
    end
    vim.list_extend(out, { '```', '' })
  else
    vim.list_extend(out, { 'No preview: ' .. (preview_err and preview_err.message or '?'), '' })
  end
  return out
end

--- Show `lines` in the report buffer (made once, reused), in a split.
---@param lines string[]
---@return integer bufnr
function M.show(lines)
  local buf = vim.fn.bufnr(M.name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, M.name)
    vim.bo[buf].filetype = 'markdown'
    vim.bo[buf].bufhidden = 'hide'
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- Ask the server for the three parts, then show them together.
---@param bufnr integer
function M.open(bufnr)
  local doc = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  local file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.')
  client.request(bufnr, 'countersign/summary', doc, function(summary, summary_err)
    client.request(bufnr, 'countersign/commitPreview', doc, function(preview, preview_err)
      client.request(bufnr, 'countersign/signoff', doc, function(signoff, signoff_err)
        local lines = M.head(file, summary, summary_err, preview, preview_err)
        if signoff then
          vim.list_extend(lines, vim.split(signoff.markdown, '\n', { trimempty = false }))
        else
          table.insert(lines, 'No sign-off state: ' .. (signoff_err and signoff_err.message or '?'))
        end
        M.show(lines)
      end)
    end)
  end)
end

return M
