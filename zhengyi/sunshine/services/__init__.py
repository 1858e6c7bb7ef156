"""The sunshine app's writes: publishing, feedback, and the lookup rate limiter."""
