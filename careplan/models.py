"""Tables for this app arrive with its own issue (see the README's roadmap)."""
