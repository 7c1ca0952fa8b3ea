"""One module per view; each observes the Inspector and imports no other view."""
