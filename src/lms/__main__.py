from lms.cli import app

app(prog_name="lms")
