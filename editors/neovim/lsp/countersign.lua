-- countersign language server: `vim.lsp.enable('countersign')` (Neovim 0.11+).
-- Server settings go in `settings.countersign` (see `:help countersign-settings`).

---@type vim.lsp.Config
return {
  cmd = { 'countersign', 'lsp' },
  -- Every file: risk rules match paths (migrations, infra/, auth/) as much as languages.
  filetypes = nil,
  -- The git root first: the ledger lives in the git directory.
  root_markers = { '.git', '.countersign.toml' },
  settings = { countersign = vim.empty_dict() },
  -- AI-edit capture, commands and marks, also when plugin/ never ran (see :help
  -- countersign-install); if you set your own on_attach, call this from it.
  on_attach = function(client, bufnr)
    require('countersign').attach(client, bufnr)
  end,
  handlers = {
    ['countersign/provenance'] = function(err, result, ctx)
      require('countersign.marks').on_provenance(err, result, ctx)
    end,
  },
}
