;; Switch ping-pong: two players pass a countdown to each other with `switch`
;; (each becomes the other's last argument) until it reaches zero. One
;; operation = one switch. run(n) = n (the turns taken).
(module
  (rec
    (type $player_f (func (param i32 (ref null $player_c))))
    (type $player_c (cont $player_f)))
  (tag $swap)
  (global $turns (mut i32) (i32.const 0))
  (elem declare func $player)

  (func $player (type $player_f) (param $n i32) (param $other (ref null $player_c))
    (loop $turn
      (if (i32.eqz (local.get $n)) (then (return)))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $player_c $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $turn)))

  (func (export "run") (param $n i32) (result i32)
    (global.set $turns (i32.const 0))
    (resume $player_c (on $swap switch)
      (local.get $n)
      (cont.new $player_c (ref.func $player))
      (cont.new $player_c (ref.func $player)))
    (global.get $turns)))
