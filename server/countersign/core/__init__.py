"""Pure provenance and risk logic.

Nothing in this package imports pygls, lsprotocol or git libraries; a test walks it with
``ast`` to keep it that way, so every part can be unit-tested on plain values.
"""
