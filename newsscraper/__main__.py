from newsscraper.cli import main

raise SystemExit(main())
