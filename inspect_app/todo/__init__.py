"""The to-do list (待办): what waits for each person, on the home page, in the navigation and by e-mail."""
