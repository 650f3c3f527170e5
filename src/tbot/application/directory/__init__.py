"""Use cases of the employee directory: departments, workstations, employees, their history
and search."""
