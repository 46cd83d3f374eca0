# Benchmark items shared by the bench scripts (sourced, not run).
# make_items COUNT FILE: one-turn arithmetic questions with 2 short responses (the first correct), as canonical
# items; the same COUNT gives the same file.
make_items() {  # $1 = count, $2 = file
  : > "$2"
  for i in $(seq 1 "$1"); do
    a=$((10 + i * 7 % 89)); b=$((11 + i * 13 % 87)); c=$((a + b))
    printf '{"id": "b%d", "prompt": "What is %d + %d?", "responses": ["%d + %d = %d.", "The answer is %d."], "label": {"best": 0}}\n' \
        "$i" "$a" "$b" "$a" "$b" "$c" "$((c + 1))" >> "$2"
  done
}
