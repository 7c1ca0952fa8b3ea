"""The app shell: the main window, its menus and docks, the status bar, start-up."""
