"""Public-welfare posts (公益性岗位): posts per village, eligibility from parameters, appointments, monthly attendance and subsidy, payroll export, exits. A sub-app of employment with its own tables."""
