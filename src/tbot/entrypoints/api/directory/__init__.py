"""Employee directory endpoints: employees, departments, workstations, search, history,
import and export."""
