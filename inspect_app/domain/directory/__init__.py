"""Directory rules: stations, credit codes, the nine 旗区 and their offices."""
