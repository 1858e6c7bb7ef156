"""Pages of 接处警: intake (受理), the alert list and page, and the units page for phones."""
