<?php
/**
 * Collects every PHP error (notices, warnings and deprecations included) and every WordPress
 * "_doing_it_wrong" and "_deprecated_*" call from here on, and reports them when the process ends: the
 * activation check (activate.php) includes it before WordPress loads and exits non-zero if anything was
 * collected. An error silenced with @ is not collected, as PHP would not report it either.
 *
 * @package Sapa
 */

define( 'SAPA_ALL_ERRORS', true );
$GLOBALS['sapa_php_errors'] = array();

set_error_handler( // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_set_error_handler
	static function ( $level, $message, $file, $line ) {
		if ( 0 === ( error_reporting() & $level ) ) {
			return true; // Silenced with @.
		}
		$GLOBALS['sapa_php_errors'][] = sprintf( 'PHP %s: %s in %s:%d', sapa_error_level_name( $level ), $message, $file, $line );
		return true;
	}
);

/**
 * E_* name of an error level.
 *
 * @param int $level Level.
 * @return string
 */
function sapa_error_level_name( $level ) {
	foreach ( array( 'E_WARNING', 'E_NOTICE', 'E_DEPRECATED', 'E_USER_ERROR', 'E_USER_WARNING', 'E_USER_NOTICE', 'E_USER_DEPRECATED', 'E_RECOVERABLE_ERROR' ) as $name ) {
		if ( constant( $name ) === $level ) {
			return $name;
		}
	}
	return (string) $level;
}

// WordPress reports misuse through these actions (also when WP_DEBUG would only log it); queued in
// $wp_filter before WordPress loads, as wp-config.php does.
foreach ( array( 'doing_it_wrong_run', 'deprecated_function_run', 'deprecated_argument_run', 'deprecated_hook_run', 'deprecated_file_included', 'deprecated_class_run', 'deprecated_constructor_run' ) as $sapa_hook ) {
	$GLOBALS['wp_filter'][ $sapa_hook ][10][] = array(
		'function'      => static function ( $what, $message = '', $version = '' ) use ( $sapa_hook ) {
			$GLOBALS['sapa_php_errors'][] = sprintf( '%s: %s %s (%s)', $sapa_hook, $what, is_string( $message ) ? $message : '', is_string( $version ) ? $version : '' );
		},
		'accepted_args' => 3,
	);
}

register_shutdown_function(
	static function () {
		$errors = $GLOBALS['sapa_php_errors'];
		if ( array() !== $errors ) {
			fwrite( STDERR, count( $errors ) . " PHP error(s), notice(s), deprecation(s) or misuse(s) reported:\n  " . implode( "\n  ", $errors ) . "\n" );
			exit( 1 );
		}
	}
);
