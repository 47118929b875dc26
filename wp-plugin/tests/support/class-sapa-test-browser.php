<?php
/**
 * A small browser for the HTTP tests and the e2e suite: plain PHP streams (no WordPress at all, so nothing of the site
 * under test is involved on the client side), a cookie jar, no redirects followed unless asked.
 *
 * @package Sapa
 */

/**
 * What an administrator's browser does against the test site.
 */
class Sapa_Test_Browser {

	/**
	 * Site URL without a trailing slash.
	 *
	 * @var string
	 */
	private $site;

	/**
	 * Cookies by name.
	 *
	 * @var array<string, string>
	 */
	private $cookies = array();

	/**
	 * Constructor.
	 *
	 * @param string $site Site URL.
	 */
	public function __construct( $site ) {
		$this->site = rtrim( $site, '/' );
	}

	/**
	 * Logs in through wp-login.php as a person does (WordPress first sets its test cookie).
	 *
	 * @param string $user     Login.
	 * @param string $password Password.
	 * @return array The login answer.
	 */
	public function log_in( $user, $password ) {
		$this->request( 'GET', '/wp-login.php' );
		return $this->request(
			'POST',
			'/wp-login.php',
			array(
				'log'         => $user,
				'pwd'         => $password,
				'wp-submit'   => 'Log In',
				'redirect_to' => $this->site . '/wp-admin/',
				'testcookie'  => '1',
			)
		);
	}

	/**
	 * One request.
	 *
	 * @param string     $method GET or POST.
	 * @param string     $path   Path (with query) below the site, or a full URL of the site.
	 * @param array|null $fields Form fields (POST, urlencoded as a browser does).
	 * @return array{status: int, headers: array<string, string[]>, body: string, location: string}
	 */
	public function request( $method, $path, $fields = null ) {
		$url     = 0 === strpos( $path, 'http' ) ? $path : $this->site . $path;
		$headers = array( 'User-Agent: Sapa-Test-Browser', 'Accept: text/html' );
		if ( array() !== $this->cookies ) {
			$pairs = array();
			foreach ( $this->cookies as $name => $value ) {
				$pairs[] = $name . '=' . $value;
			}
			$headers[] = 'Cookie: ' . implode( '; ', $pairs );
		}
		$body = '';
		if ( null !== $fields ) {
			$body      = http_build_query( $fields );
			$headers[] = 'Content-Type: application/x-www-form-urlencoded';
			$headers[] = 'Referer: ' . $url;
		}
		$context = stream_context_create(
			array(
				'http' => array(
					'method'          => $method,
					'header'          => implode( "\r\n", $headers ),
					'content'         => $body,
					'follow_location' => 0,
					'ignore_errors'   => true,
					'timeout'         => 60,
				),
			)
		);
		$answer = file_get_contents( $url, false, $context ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents
		if ( false === $answer ) {
			throw new RuntimeException( "no answer from $url" );
		}
		$response_headers = isset( $http_response_header ) ? $http_response_header : array();
		$status           = 0;
		$parsed           = array();
		foreach ( $response_headers as $line ) {
			if ( preg_match( '#^HTTP/\S+ (\d{3})#', $line, $m ) ) {
				$status = (int) $m[1];
				continue;
			}
			list( $name, $value )            = array_map( 'trim', explode( ':', $line, 2 ) + array( '', '' ) );
			$parsed[ strtolower( $name ) ][] = $value;
		}
		foreach ( isset( $parsed['set-cookie'] ) ? $parsed['set-cookie'] : array() as $cookie ) {
			list( $pair )          = explode( ';', $cookie, 2 );
			list( $name, $value )  = explode( '=', $pair, 2 ) + array( '', '' );
			$expired               = preg_match( '/expires=([^;]+)/i', $cookie, $m ) && strtotime( $m[1] ) < time();
			if ( $expired ) {
				unset( $this->cookies[ $name ] );
			} else {
				$this->cookies[ $name ] = $value;
			}
		}
		return array(
			'status'   => $status,
			'headers'  => $parsed,
			'body'     => $answer,
			'location' => isset( $parsed['location'] ) ? $parsed['location'][0] : '',
		);
	}

	/**
	 * The path and query of a URL the site redirected to, to request it on this site's address (the site
	 * may know itself under another home URL).
	 *
	 * @param string $url URL.
	 * @return string
	 */
	public static function path_of( $url ) {
		$parts = parse_url( $url ); // phpcs:ignore WordPress.WP.AlternativeFunctions.parse_url_parse_url -- also used without WordPress (e2e).
		return ( isset( $parts['path'] ) ? $parts['path'] : '/' ) . ( isset( $parts['query'] ) ? '?' . $parts['query'] : '' );
	}

	/**
	 * The hidden fields and named inputs of the form that posts the given admin-post action, as a browser
	 * would submit them (the nonce read from the page).
	 *
	 * @param string $html   Page.
	 * @param string $action The form's "action" field.
	 * @return array<string, string>
	 */
	public static function form_fields( $html, $action ) {
		$document = new DOMDocument();
		libxml_use_internal_errors( true );
		$document->loadHTML( $html );
		libxml_clear_errors();
		$xpath = new DOMXPath( $document );
		foreach ( $xpath->query( '//form' ) as $form ) {
			$fields = array();
			foreach ( $xpath->query( './/input[@name]|.//textarea[@name]|.//select[@name]', $form ) as $input ) {
				$name = $input->getAttribute( 'name' );
				$type = strtolower( $input->getAttribute( 'type' ) );
				if ( 'textarea' === $input->nodeName ) {
					$fields[ $name ] = $input->textContent;
				} elseif ( 'select' === $input->nodeName ) {
					$selected        = $xpath->query( './/option[@selected]', $input );
					$fields[ $name ] = $selected->length ? $selected->item( 0 )->getAttribute( 'value' ) : '';
				} elseif ( in_array( $type, array( 'radio', 'checkbox' ), true ) ) {
					if ( $input->hasAttribute( 'checked' ) ) {
						$fields[ $name ] = $input->getAttribute( 'value' );
					}
				} elseif ( 'submit' !== $type ) {
					$fields[ $name ] = $input->getAttribute( 'value' );
				}
			}
			if ( isset( $fields['action'] ) && $action === $fields['action'] ) {
				return $fields;
			}
		}
		throw new RuntimeException( "no form for $action on the page" );
	}

	/**
	 * The text of the one-time notices on a page (the plugin's dismissible notices, not the page's own
	 * inline warnings).
	 *
	 * @param string $html Page.
	 * @return string[]
	 */
	public static function notices( $html ) {
		preg_match_all( '#<div class="notice notice-(\w+) is-dismissible"><p>(.*?)</p></div>#s', $html, $m, PREG_SET_ORDER );
		return array_map(
			function ( $match ) {
				return $match[1] . ': ' . html_entity_decode( trim( strip_tags( $match[2] ) ), ENT_QUOTES ); // phpcs:ignore WordPress.WP.AlternativeFunctions.strip_tags_strip_tags
			},
			$m
		);
	}
}
