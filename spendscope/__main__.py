from spendscope.cli import main

main()
