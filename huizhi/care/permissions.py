"""Who may do what with care (rules permissions)."""
