"""Training (职业技能培训): demand survey (点餐式培训需求), courses, enrolment, completion and the employment outcome 3 and 6 months later. A sub-app of employment with its own tables."""
