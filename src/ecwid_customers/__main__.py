from ecwid_customers.cli import main

main()
