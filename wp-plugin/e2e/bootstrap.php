<?php
/**
 * Bootstrap of the e2e suite: nothing of WordPress is loaded here; the suite works the shop through HTTP
 * (the browser), shop.php (shop-side actions in their own processes) and Sapa's database (PostgREST).
 *
 * @package Sapa
 */

require dirname( __DIR__ ) . '/tests/support/class-sapa-test-browser.php';
