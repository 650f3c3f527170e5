"""The employee directory: departments, workstations, employees, and how people search."""
