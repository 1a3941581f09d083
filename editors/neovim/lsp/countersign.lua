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
}
