from lettre.cli import main

main()
