"""The model of what is shown (the Inspector) and what feeds it: the drawing, the chosen model."""
