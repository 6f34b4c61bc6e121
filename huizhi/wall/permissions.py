"""Who may do what with wall (rules permissions)."""
