"""Who may hold which event, on which legal basis (the sharing policy), and consent as the projections judge it."""
