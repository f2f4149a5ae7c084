"""Entry script of the frozen app: the same `main()` as the `parley` console script."""

import sys

from desktop.__main__ import main

sys.exit(main())
