"""`python -m crawler`: the crawler's child-process entry point."""
from crawler.cli import main

main()
