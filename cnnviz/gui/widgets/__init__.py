"""Small reusable parts the views and the app are built from."""
