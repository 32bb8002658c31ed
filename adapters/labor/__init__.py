"""U.S. Department of Labor, Office of Foreign Labor Certification (FLAG): the labor adapter."""
