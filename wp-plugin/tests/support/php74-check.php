<?php
/**
 * A partial PHP 7.4 compatibility check for the plugin (only PHP 8 is installed here, so `php -l`
 * cannot prove 7.4 syntax): rejects PHP 8+ tokens (nullsafe ?->, match, #[attributes], enum,
 * readonly) and calls to functions added in PHP 8. Named arguments, union types and constructor
 * promotion are not detected. Usage: php php74-check.php FILE...
 *
 * @package Sapa
 */

$sapa_tokens    = array( 'T_NULLSAFE_OBJECT_OPERATOR', 'T_MATCH', 'T_ATTRIBUTE', 'T_ENUM', 'T_READONLY' );
$sapa_functions = array( 'str_contains', 'str_starts_with', 'str_ends_with', 'get_debug_type', 'array_is_list', 'fdiv', 'get_resource_id', 'preg_last_error_msg', 'array_find', 'mb_str_pad' );
$sapa_failed    = false;

foreach ( array_slice( $argv, 1 ) as $sapa_file ) {
	$sapa_all = token_get_all( file_get_contents( $sapa_file ) );
	foreach ( $sapa_all as $sapa_i => $sapa_token ) {
		if ( ! is_array( $sapa_token ) ) {
			continue;
		}
		$sapa_name = token_name( $sapa_token[0] );
		$sapa_bad  = in_array( $sapa_name, $sapa_tokens, true );
		if ( ! $sapa_bad && T_STRING === $sapa_token[0] && in_array( strtolower( $sapa_token[1] ), $sapa_functions, true ) ) {
			$sapa_next = isset( $sapa_all[ $sapa_i + 1 ] ) ? $sapa_all[ $sapa_i + 1 ] : null;
			$sapa_bad  = '(' === $sapa_next;
		}
		if ( $sapa_bad ) {
			fwrite( STDERR, "$sapa_file:{$sapa_token[2]}: PHP 8 only: {$sapa_token[1]}\n" );
			$sapa_failed = true;
		}
	}
}
exit( $sapa_failed ? 1 : 0 );
