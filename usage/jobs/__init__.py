"""Long work done on the django-q2 worker for a person, shown on its own page while
it is queued and running, with its result (a file to download, counts) once done."""
