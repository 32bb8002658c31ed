"""Courts adapter: EOIR immigration courts and the Board of Immigration Appeals."""
