let used = 42;;
print_endline "used";;
