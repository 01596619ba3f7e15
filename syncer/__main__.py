from syncer.cli import program

program()
