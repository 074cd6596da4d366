"""The reconciler: no accepted message stays `created` or `processing` for ever.

The pass itself is `rez_messages.reconcile`; this package wires it to a scheduled Lambda.
"""
