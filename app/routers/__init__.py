"""HTTP routers, one module per resource; handlers stay thin and call one report or one query."""
