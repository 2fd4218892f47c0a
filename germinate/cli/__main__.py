import sys

from germinate.cli import main

sys.exit(main())
